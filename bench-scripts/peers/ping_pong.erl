%% ping_pong: Savina's ping-pong, the same algorithm and output as
%% bench-scripts/ping_pong.iv: ISOLATES pinger-ponger process pairs share
%% SIZE round trips; round trip i sends i and gets i + 1 back.
%% Prints "round_trips: SIZE checksum: C" (C the sum of the answers), then
%% "metric ns_per_round_trip N" (the pairs' time in their loops divided by
%% their round trips).
%% Usage: escript bench-scripts/peers/ping_pong.erl [SIZE] [ISOLATES]   (default 100000 1)
-module(ping_pong).
-export([main/1]).
-mode(compile).
-include("peer.hrl").

ponger() ->
    receive
        stop -> ok;
        {From, I} -> From ! I + 1, ponger()
    end.

loop(_P, I, End, Sum) when I >= End -> Sum;
loop(P, I, End, Sum) ->
    P ! {self(), I},
    receive Answer -> loop(P, I + 1, End, Sum + Answer) end.

pinger(Parent, First, Count) ->
    P = spawn(fun ponger/0),
    Start = erlang:monotonic_time(nanosecond),
    Sum = loop(P, First, First + Count, 0),
    Elapsed = erlang:monotonic_time(nanosecond) - Start,
    P ! stop,
    Parent ! {self(), Sum, Elapsed}.

main(Args) ->
    {N, Rn} = args(Args, 100000),
    Me = self(),
    Pids = [spawn(fun() -> pinger(Me, First, Count) end) || {First, Count} <- shares(N, Rn)],
    {Sum, Ns} = lists:foldl(
        fun(Pid, {S, T}) -> receive {Pid, S1, T1} -> {S + S1, T + T1} end end, {0, 0}, Pids),
    io:format("round_trips: ~b checksum: ~b~n", [N, Sum]),
    metric("ns_per_round_trip", Ns, N).
