%% binary_trees: the Benchmarks Game's binary-trees reshaped as in
%% bench-scripts/binary_trees.iv (same algorithm and output), with one
%% process per isolate. A node is {Left, Right}; a leaf is {nil, nil}.
%% SIZE: tree nodes in all; depth d in 4, 6, ..., 16 gets
%% SIZE div 7 div (2^(d+1) - 1) trees, dealt out round-robin to the
%% ISOLATES processes (tree k to process k rem ISOLATES); each process also
%% keeps a long-lived tree of the deepest depth that got a tree.
%% Prints "trees: T check: C".
%% Usage: escript bench-scripts/peers/binary_trees.erl [SIZE] [ISOLATES]   (default 2000000 1)
-module(binary_trees).
-export([main/1]).
-mode(compile).
-include("peer.hrl").

bottom_up_tree(0) -> {nil, nil};
bottom_up_tree(D) -> {bottom_up_tree(D - 1), bottom_up_tree(D - 1)}.

item_check({nil, _}) -> 1;
item_check({L, R}) -> 1 + item_check(L) + item_check(R).

tree_nodes(D) -> (1 bsl (D + 1)) - 1.

schedule(Size) -> [{D, Size div 7 div tree_nodes(D)} || D <- lists:seq(4, 16, 2)].

deepest(Plan) -> lists:foldl(fun({D, T}, Acc) when T > 0 -> max(D, Acc); (_, Acc) -> Acc end, 0, Plan).

%% Trees J, J + Rn, ... (< Trees) of depth D: {built, check}.
trees(D, J, Trees, Rn, Built, Check) when J < Trees ->
    trees(D, J + Rn, Trees, Rn, Built + 1, Check + item_check(bottom_up_tree(D)));
trees(_D, _J, _Trees, _Rn, Built, Check) -> {Built, Check}.

worker(Size, Rn, R) ->
    Plan = schedule(Size),
    LongLived = bottom_up_tree(deepest(Plan)),
    {Built, Check, _} = lists:foldl(
        fun({D, Trees}, {B, C, Base}) ->
            J = ((R - Base) rem Rn + Rn) rem Rn,
            {B1, C1} = trees(D, J, Trees, Rn, B, C),
            {B1, C1, Base + Trees}
        end, {0, 0, 0}, Plan),
    {Built, Check, item_check(LongLived)}.

main(Args) ->
    {N, Rn} = args(Args, 2000000),
    Me = self(),
    Pids = [spawn(fun() -> Me ! {self(), worker(N, Rn, R)} end) || R <- lists:seq(0, Rn - 1)],
    Parts = [receive {P, Part} -> Part end || P <- Pids],
    Built = lists:sum([B || {B, _, _} <- Parts]),
    Check = lists:sum([C || {_, C, _} <- Parts]),
    [{_, _, LongCheck} | _] = Parts,
    io:format("trees: ~b check: ~b~n", [Built, Check + LongCheck]).
