%% Spawn and exit, the same work as bench-scripts/spawn_exit.iv: n processes
%% that return at once, each waited for (with a monitor), in batches of 1000.
-module(spawn_exit).
-export([main/1]).
-mode(compile).

wait_all([], Sum) -> Sum;
wait_all([{Pid, Ref} | Rest], Sum) ->
    receive {result, Pid, V} ->
        receive {'DOWN', Ref, process, Pid, _} -> ok end,
        wait_all(Rest, Sum + V)
    end.

batches(I, N, Sum) when I >= N -> Sum;
batches(I, N, Sum) ->
    Me = self(),
    Hi = min(I + 1000, N),
    Batch = [spawn_monitor(fun() -> Me ! {result, self(), J} end) || J <- lists:seq(I, Hi - 1)],
    batches(Hi, N, wait_all(Batch, Sum)).

main(Args) ->
    N = case Args of [A | _] -> list_to_integer(A); [] -> 100000 end,
    Start = erlang:monotonic_time(nanosecond),
    Sum = batches(0, N, 0),
    Elapsed = erlang:monotonic_time(nanosecond) - Start,
    io:format("spawned and waited for ~p isolates; sum ~p~nns per spawn and exit: ~p~n", [N, Sum, Elapsed div N]).
