# Benchmarks Game binary-trees, the same algorithm as examples/binary_trees.iv:
# a node is a 2-element array [left, right]; a leaf is [nil, nil].
def bottom_up_tree(depth)
  return [nil, nil] if depth <= 0
  d = depth - 1
  [bottom_up_tree(d), bottom_up_tree(d)]
end
def item_check(tree)
  return 1 if tree[0].nil?
  1 + item_check(tree[0]) + item_check(tree[1])
end
n = (ARGV[0] || 6).to_i
min_depth = 4
max_depth = [min_depth + 2, n].max
stretch = max_depth + 1
puts "stretch tree of depth #{stretch}\t check: #{item_check(bottom_up_tree(stretch))}"
long_lived = bottom_up_tree(max_depth)
min_depth.step(max_depth, 2) do |depth|
  iterations = 2**(max_depth - depth + min_depth)
  check = 0
  iterations.times { check += item_check(bottom_up_tree(depth)) }
  puts "#{iterations}\t trees of depth #{depth}\t check: #{check}"
end
puts "long lived tree of depth #{max_depth}\t check: #{item_check(long_lived)}"
