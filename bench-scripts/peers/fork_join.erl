%% fork_join: Savina's fork-join, the same algorithm and output as
%% bench-scripts/fork_join.iv: main creates SIZE short-lived processes (k
%% computes work(k)) and joins each, at most ISOLATES alive at a time
%% (process k waits in slot k rem ISOLATES; before it starts, the slot's
%% previous process, the oldest, is joined).
%% Prints "joined: SIZE sum: S", then "metric ns_per_isolate N".
%% Usage: escript bench-scripts/peers/fork_join.erl [SIZE] [ISOLATES]   (default 20000 1)
-module(fork_join).
-export([main/1]).
-mode(compile).
-include("peer.hrl").

work(K) -> lists:foldl(fun(I, X) -> (X * 31 + I) rem 1000003 end, K, lists:seq(0, 7)).

fork(K) ->
    Me = self(),
    spawn(fun() -> Me ! {self(), work(K)} end).

join(Pid) -> receive {Pid, V} -> V end.

%% The window is a queue of the live processes, oldest first.
run(K, N, _Rn, Window, Sum) when K >= N ->
    Sum + lists:sum([join(P) || P <- queue:to_list(Window)]);
run(K, N, Rn, Window, Sum) ->
    case queue:len(Window) == Rn of
        true ->
            {{value, Oldest}, Rest} = queue:out(Window),
            run(K + 1, N, Rn, queue:in(fork(K), Rest), Sum + join(Oldest));
        false ->
            run(K + 1, N, Rn, queue:in(fork(K), Window), Sum)
    end.

main(Args) ->
    {N, Rn} = args(Args, 20000),
    Start = erlang:monotonic_time(nanosecond),
    Sum = run(0, N, Rn, queue:new(), 0),
    Elapsed = erlang:monotonic_time(nanosecond) - Start,
    io:format("joined: ~b sum: ~b~n", [N, Sum]),
    metric("ns_per_isolate", Elapsed, N).
