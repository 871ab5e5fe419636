%% spawn_exit: the same work and output as bench-scripts/spawn_exit.iv:
%% ISOLATES spawner processes share SIZE processes (process i returns i),
%% each spawner starting them in batches of 1000 and waiting for each batch
%% (with a monitor, as the VM's wait sees the isolate end).
%% Prints "spawned: SIZE sum: S", then "metric ns_per_spawn_and_exit N" (the
%% spawners' time divided by the processes they spawned).
%% Usage: escript bench-scripts/peers/spawn_exit.erl [SIZE] [ISOLATES]   (default 100000 1)
-module(spawn_exit).
-export([main/1]).
-mode(compile).
-include("peer.hrl").

wait_all([], Sum) -> Sum;
wait_all([{Pid, Ref} | Rest], Sum) ->
    receive {result, Pid, V} ->
        receive {'DOWN', Ref, process, Pid, _} -> ok end,
        wait_all(Rest, Sum + V)
    end.

batches(I, End, Sum) when I >= End -> Sum;
batches(I, End, Sum) ->
    Me = self(),
    Hi = min(I + 1000, End),
    Batch = [spawn_monitor(fun() -> Me ! {result, self(), J} end) || J <- lists:seq(I, Hi - 1)],
    batches(Hi, End, wait_all(Batch, Sum)).

spawner(Parent, First, Count) ->
    Start = erlang:monotonic_time(nanosecond),
    Sum = batches(First, First + Count, 0),
    Parent ! {self(), Sum, erlang:monotonic_time(nanosecond) - Start}.

main(Args) ->
    {N, Rn} = args(Args, 100000),
    Me = self(),
    Pids = [spawn(fun() -> spawner(Me, First, Count) end) || {First, Count} <- shares(N, Rn)],
    {Sum, Ns} = lists:foldl(
        fun(Pid, {S, T}) -> receive {Pid, S1, T1} -> {S + S1, T + T1} end end, {0, 0}, Pids),
    io:format("spawned: ~b sum: ~b~n", [N, Sum]),
    metric("ns_per_spawn_and_exit", Ns, N).
