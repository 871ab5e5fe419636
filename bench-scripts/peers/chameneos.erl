%% chameneos: Savina's chameneos, the same algorithm and output as
%% bench-scripts/chameneos.iv: ISOLATES creatures (at least 2), coloured
%% 0, 1, 2 in turn, ask a mall process for meetings; the mall pairs each
%% with the next to arrive and tells each the other's colour; both take the
%% complement. After SIZE meetings the mall sends every creature home.
%% Prints "meetings: M met: T" (T = 2 * M: the meetings the creatures
%% counted), then "metric ns_per_meeting N".
%% Usage: escript bench-scripts/peers/chameneos.erl [SIZE] [ISOLATES]   (default 50000 1)
-module(chameneos).
-export([main/1]).
-mode(compile).
-include("peer.hrl").

complement(A, A) -> A;
complement(A, B) -> 3 - A - B.

creature(Main, Mall, Colour, Met) ->
    Mall ! {self(), Colour},
    receive
        stop -> Main ! {self(), Met, Colour};
        Other -> creature(Main, Mall, complement(Colour, Other), Met + 1)
    end.

mall(Main, _Meetings, Creatures, _Waiting, Made, Home) when Home == Creatures ->
    Main ! {mall, Made};
mall(Main, Meetings, Creatures, _Waiting, Made, Home) when Made == Meetings ->
    receive {From, _Colour} ->
        From ! stop,
        mall(Main, Meetings, Creatures, none, Made, Home + 1)
    end;
mall(Main, Meetings, Creatures, none, Made, Home) ->
    receive Request -> mall(Main, Meetings, Creatures, Request, Made, Home) end;
mall(Main, Meetings, Creatures, {First, FirstColour}, Made, Home) ->
    receive {Second, SecondColour} ->
        First ! SecondColour,
        Second ! FirstColour,
        mall(Main, Meetings, Creatures, none, Made + 1, Home)
    end.

main(Args) ->
    {N, Rn0} = args(Args, 50000),
    Rn = max(Rn0, 2),
    Me = self(),
    Start = erlang:monotonic_time(nanosecond),
    Mall = spawn(fun() -> mall(Me, N, Rn, none, 0, 0) end),
    Colours = [R rem 3 || R <- lists:seq(0, Rn - 1)],
    All = [spawn(fun() -> creature(Me, Mall, C, 0) end) || C <- Colours],
    Results = [receive {P, Met, Colour} -> {Met, Colour} end || P <- All],
    Made = receive {mall, M} -> M end,
    Elapsed = erlang:monotonic_time(nanosecond) - Start,
    Met = lists:sum([M1 || {M1, _} <- Results]),
    Final = lists:sum([C || {_, C} <- Results]),
    case Final rem 3 == lists:sum(Colours) rem 3 of
        true -> ok;
        false -> error("the sum of colours changed mod 3")
    end,
    io:format("meetings: ~b met: ~b~n", [Made, Met]),
    metric("ns_per_meeting", Elapsed, N).
