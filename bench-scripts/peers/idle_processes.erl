%% Memory of idle processes, as bench-scripts/idle_isolates.iv measures it:
%% spawn n processes waiting in receive, then report the process's peak RSS
%% (VmHWM) and stop them.
-module(idle_processes).
-export([main/1]).
-mode(compile).

idle() -> receive stop -> ok end.

peak_rss_kib() ->
    {ok, Status} = file:read_file("/proc/self/status"),
    [Line] = [L || L <- binary:split(Status, <<"\n">>, [global]), binary:match(L, <<"VmHWM:">>) =/= nomatch],
    [_, Kib | _] = binary:split(Line, [<<" ">>, <<"\t">>], [global, trim_all]),
    binary_to_integer(Kib).

main(Args) ->
    N = case Args of [A | _] -> list_to_integer(A); [] -> 1000 end,
    Pids = [spawn(fun idle/0) || _ <- lists:seq(1, N)],
    Peak = peak_rss_kib(),
    [P ! stop || P <- Pids],
    io:format("stopped ~p idle processes; peak rss ~p KiB~n", [N, Peak]).
