%% Memory of idle processes, measured as bench-scripts/idle_isolates.iv
%% measures the VM: spawn n processes that report and wait in receive,
%% collect the n reports, then read the process's resident memory (VmRSS);
%% compare with n = 0 for the bytes per idle process.
%% Output: "idle isolates: n", then "metric rss_bytes N".
-module(idle_processes).
-export([main/1]).
-mode(compile).

idle(Parent) ->
    Parent ! parked,
    receive stop -> ok end.

rss_bytes() ->
    {ok, Status} = file:read_file("/proc/self/status"),
    [Line] = [L || L <- binary:split(Status, <<"\n">>, [global]), binary:match(L, <<"VmRSS:">>) =/= nomatch],
    [_, Kib | _] = binary:split(Line, [<<" ">>, <<"\t">>], [global, trim_all]),
    binary_to_integer(Kib) * 1024.

main(Args) ->
    N = case Args of [A | _] -> list_to_integer(A); [] -> 1000 end,
    Me = self(),
    Pids = [spawn(fun() -> idle(Me) end) || _ <- lists:seq(1, N)],
    [receive parked -> ok end || _ <- Pids],
    erlang:garbage_collect(),
    Rss = rss_bytes(),
    [P ! stop || P <- Pids],
    io:format("idle isolates: ~p~nmetric rss_bytes ~p~n", [N, Rss]).
