%% thread_ring: Savina's thread ring, the same algorithm and output as
%% bench-scripts/thread_ring.iv: ISOLATES processes in a ring pass a token
%% SIZE times, starting at member 0.
%% Prints "passes: P last: L" (L = SIZE rem ISOLATES, the member holding the
%% token at the end), then "metric ns_per_pass N".
%% Usage: escript bench-scripts/peers/thread_ring.erl [SIZE] [ISOLATES]   (default 100000 1)
-module(thread_ring).
-export([main/1]).
-mode(compile).
-include("peer.hrl").

member(Main, Index) ->
    receive {next, Next} -> member(Main, Index, Next, 0) end.

member(Main, Index, Next, Passes) ->
    receive
        stop -> Main ! {self(), Passes};
        0 -> Main ! {last, Index}, member(Main, Index, Next, Passes);
        Token -> Next ! Token - 1, member(Main, Index, Next, Passes + 1)
    end.

main(Args) ->
    {N, Rn} = args(Args, 100000),
    Me = self(),
    Ring = list_to_tuple([spawn(fun() -> member(Me, R) end) || R <- lists:seq(0, Rn - 1)]),
    [element(R + 1, Ring) ! {next, element((R + 1) rem Rn + 1, Ring)} || R <- lists:seq(0, Rn - 1)],
    Start = erlang:monotonic_time(nanosecond),
    element(1, Ring) ! N,
    receive {last, Last} -> ok end,
    Elapsed = erlang:monotonic_time(nanosecond) - Start,
    Members = tuple_to_list(Ring),
    [P ! stop || P <- Members],
    Passes = lists:sum([receive {P, Count} -> Count end || P <- Members]),
    io:format("passes: ~b last: ~b~n", [Passes, Last]),
    metric("ns_per_pass", Elapsed, N).
