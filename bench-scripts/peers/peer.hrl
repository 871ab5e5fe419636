%% What every Erlang peer of the suite shares: its arguments, how it splits
%% the work among processes, and its `metric` line. Included by each
%% escript (-include("peer.hrl")), so each still runs alone.
%% A script uses only some of these functions.
-compile(nowarn_unused_function).

%% {SIZE, ISOLATES} from the command line; ISOLATES defaults to 1.
args(Args, DefaultSize) ->
    case [list_to_integer(A) || A <- Args] of
        [] -> {DefaultSize, 1};
        [N] -> {N, 1};
        [N, Rn | _] -> {N, Rn}
    end.

%% [{First, Count}] for each of Rn parts of 0..N-1: the first N rem Rn parts
%% get one unit more.
shares(N, Rn) ->
    {Parts, _} = lists:mapfoldl(
        fun(R, First) ->
            Count = N div Rn + (case R < N rem Rn of true -> 1; false -> 0 end),
            {{First, Count}, First + Count}
        end, 0, lists:seq(0, Rn - 1)),
    Parts.

%% Prints "metric Name Ns/N" (nothing when N is 0), as the VM's workloads do.
metric(Name, Ns, N) when N > 0 -> io:format("metric ~s ~b~n", [Name, Ns div N]);
metric(_, _, _) -> ok.
