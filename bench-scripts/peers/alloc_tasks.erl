%% alloc_tasks: the allocation benchmark of "Toward Ractor local GC", the
%% same algorithm and output as bench-scripts/alloc_tasks.iv, with one
%% process per isolate: SIZE tasks (task i allocates a pair, a string
%% "task i" and a small map, and returns pair[1] + the string's length)
%% split into ISOLATES contiguous ranges.
%% Prints "tasks: SIZE checksum: C".
%% Usage: escript bench-scripts/peers/alloc_tasks.erl [SIZE] [ISOLATES]   (default 200000 1)
-module(alloc_tasks).
-export([main/1]).
-mode(compile).
-include("peer.hrl").

task(I) ->
    Pair = {I, I + 1},
    Label = <<"task ", (integer_to_binary(I))/binary>>,
    Record = #{id => I, pair => Pair, label => Label},
    element(2, maps:get(pair, Record)) + byte_size(maps:get(label, Record)).

worker(I, End, Sum) when I >= End -> Sum;
worker(I, End, Sum) -> worker(I + 1, End, Sum + task(I)).

main(Args) ->
    {N, Rn} = args(Args, 200000),
    Me = self(),
    Pids = [spawn(fun() -> Me ! {self(), worker(First, First + Count, 0)} end)
            || {First, Count} <- shares(N, Rn)],
    Sum = lists:sum([receive {P, S} -> S end || P <- Pids]),
    io:format("tasks: ~b checksum: ~b~n", [N, Sum]).
