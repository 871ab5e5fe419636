%% big: Savina's "big", the same algorithm and output as bench-scripts/big.iv:
%% ISOLATES processes share SIZE pings (ping i carries i, its pong 2 * i + 1),
%% each sending its pings one at a time to neighbours picked by a linear
%% congruential generator seeded with its index + 1 (glibc's constants,
%% modulo 2^31; neighbour (seed div 65536) rem ISOLATES), and serving the
%% pings it receives meanwhile.
%% Prints "pings: P checksum: C" (P the pings served, C the sum of the pongs),
%% then "metric ns_per_ping N".
%% Usage: escript bench-scripts/peers/big.erl [SIZE] [ISOLATES]   (default 100000 1)
-module(big).
-export([main/1]).
-mode(compile).
-include("peer.hrl").

lcg(X) -> (1103515245 * X + 12345) rem 2147483648.

actor(Main, Index, First, Count) ->
    receive {peers, Peers} -> ok end,
    sending(Main, Peers, Index + 1, First, First + Count, 0, 0).

%% Sends the next ping, or reports to main when all have been answered.
sending(Main, _Peers, _Seed, Next, End, Served, PongSum) when Next >= End ->
    Main ! {done, PongSum},
    serving(Main, Served);
sending(Main, Peers, Seed, Next, End, Served, PongSum) ->
    Seed1 = lcg(Seed),
    element((Seed1 div 65536) rem tuple_size(Peers) + 1, Peers) ! {ping, self(), Next},
    waiting(Main, Peers, Seed1, Next + 1, End, Served, PongSum).

%% Waits for the pong of the last ping, serving pings meanwhile.
waiting(Main, Peers, Seed, Next, End, Served, PongSum) ->
    receive
        {ping, From, I} ->
            From ! {pong, 2 * I + 1},
            waiting(Main, Peers, Seed, Next, End, Served + 1, PongSum);
        {pong, V} ->
            sending(Main, Peers, Seed, Next, End, Served, PongSum + V)
    end.

%% All its pings answered: serves others' pings until main says stop.
serving(Main, Served) ->
    receive
        {ping, From, I} -> From ! {pong, 2 * I + 1}, serving(Main, Served + 1);
        stop -> Main ! {served, self(), Served}
    end.

main(Args) ->
    {N, Rn} = args(Args, 100000),
    Me = self(),
    Parts = lists:zip(lists:seq(0, Rn - 1), shares(N, Rn)),
    All = [spawn(fun() -> actor(Me, R, First, Count) end) || {R, {First, Count}} <- Parts],
    Start = erlang:monotonic_time(nanosecond),
    Peers = list_to_tuple(All),
    [P ! {peers, Peers} || P <- All],
    PongSum = lists:sum([receive {done, S} -> S end || _ <- All]),
    Elapsed = erlang:monotonic_time(nanosecond) - Start,
    %% Every ping has been answered, so no message is in flight: stop them.
    [P ! stop || P <- All],
    Served = lists:sum([receive {served, P, S} -> S end || P <- All]),
    io:format("pings: ~b checksum: ~b~n", [Served, PongSum]),
    metric("ns_per_ping", Elapsed, N).
