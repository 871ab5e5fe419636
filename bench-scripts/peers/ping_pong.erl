%% Ping-pong, the same protocol as bench-scripts/ping_pong.iv.
-module(ping_pong).
-export([main/1]).
-mode(compile).

pong() ->
    receive
        stop -> ok;
        From -> From ! From, pong()
    end.

loop(_P, _Me, 0) -> ok;
loop(P, Me, N) ->
    P ! Me,
    receive _ -> loop(P, Me, N - 1) end.

main(Args) ->
    N = case Args of [A | _] -> list_to_integer(A); [] -> 100000 end,
    P = spawn(fun pong/0),
    Start = erlang:monotonic_time(nanosecond),
    loop(P, self(), N),
    Elapsed = erlang:monotonic_time(nanosecond) - Start,
    P ! stop,
    io:format("round trips: ~p~nns per round trip: ~p~n", [N, Elapsed div N]).
