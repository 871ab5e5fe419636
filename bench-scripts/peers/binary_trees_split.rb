# binary_trees (bench-scripts/binary_trees.iv's contract): the Benchmarks
# Game's binary-trees reshaped so that SIZE sets the total work, with one
# Ractor per isolate; the same algorithm and output as the VM's workload.
# (peers/binary_trees.rb is the classic program taking a depth, used by
# vm/benches/peers.rs.) A node is [left, right]; a leaf is [nil, nil].
# SIZE: tree nodes in all; depth d in 4, 6, ..., 16 gets
# SIZE / 7 / (2^(d+1) - 1) trees, dealt out round-robin to the ISOLATES
# Ractors (tree k to Ractor k % ISOLATES); each Ractor also keeps a
# long-lived tree of the deepest depth that got a tree.
# Prints "trees: T check: C".
# Usage: ruby bench-scripts/peers/binary_trees_split.rb [SIZE] [ISOLATES]   (default 2000000 1)
require_relative "ractor_split"

def bottom_up_tree(depth)
  return [nil, nil] if depth <= 0
  d = depth - 1
  [bottom_up_tree(d), bottom_up_tree(d)]
end

def item_check(tree)
  return 1 if tree[0].nil?
  1 + item_check(tree[0]) + item_check(tree[1])
end

def tree_nodes(depth)
  2**(depth + 1) - 1
end

def schedule(size)
  4.step(16, 2).map { |depth| [depth, size / 7 / tree_nodes(depth)] }
end

def worker(size, rn, r)
  plan = schedule(size)
  deepest = plan.select { |_, trees| trees > 0 }.map(&:first).max || 0
  long_lived = bottom_up_tree(deepest)
  built = 0
  check = 0
  base = 0
  plan.each do |depth, trees|
    j = (r - base) % rn # Ruby's % is floored, like the VM's
    while j < trees
      check += item_check(bottom_up_tree(depth))
      built += 1
      j += rn
    end
    base += trees
  end
  [built, check, item_check(long_lived)]
end

n, rn = size_and_isolates(2000000)
ractors = (0...rn).map { |r| Ractor.new(n, rn, r) { |size, count, index| worker(size, count, index) } }
parts = ractors.map(&:take)
built = parts.sum { |part| part[0] }
check = parts.sum { |part| part[1] }
puts "trees: #{built} check: #{check + parts[0][2]}"
