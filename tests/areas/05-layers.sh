# Includes point down the layers (tools/layers.sh states the rule).
echo "# layers"
check "layering: includes point down" 0 tools/layers.sh
check "collectors: each has its seam table, its gc_mut part and its VARIANTS line" 0 tools/collectors.sh
