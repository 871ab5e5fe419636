%% counting: Savina's counting actor, the same algorithm and output as
%% bench-scripts/counting.iv: ISOLATES producer-counter process pairs share
%% SIZE messages (message i carries i); each producer sends its numbers
%% without waiting, then asks its counter for [count, sum].
%% Prints "messages: M sum: S", then "metric ns_per_message N".
%% Usage: escript bench-scripts/peers/counting.erl [SIZE] [ISOLATES]   (default 200000 1)
-module(counting).
-export([main/1]).
-mode(compile).
-include("peer.hrl").

counter(Count, Sum) ->
    receive
        {get, From} -> From ! {Count, Sum};
        I -> counter(Count + 1, Sum + I)
    end.

send_all(_C, I, End) when I >= End -> ok;
send_all(C, I, End) -> C ! I, send_all(C, I + 1, End).

producer(Parent, First, Count) ->
    C = spawn(fun() -> counter(0, 0) end),
    Start = erlang:monotonic_time(nanosecond),
    send_all(C, First, First + Count),
    C ! {get, self()},
    receive {Counted, Sum} -> ok end,
    Elapsed = erlang:monotonic_time(nanosecond) - Start,
    Parent ! {self(), Counted, Sum, Elapsed}.

main(Args) ->
    {N, Rn} = args(Args, 200000),
    Me = self(),
    Pids = [spawn(fun() -> producer(Me, First, Count) end) || {First, Count} <- shares(N, Rn)],
    {Counted, Sum, Ns} = lists:foldl(
        fun(Pid, {C, S, T}) ->
            receive {Pid, C1, S1, T1} -> {C + C1, S + S1, T + T1} end
        end, {0, 0, 0}, Pids),
    io:format("messages: ~b sum: ~b~n", [Counted, Sum]),
    metric("ns_per_message", Ns, N).
