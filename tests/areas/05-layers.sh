# Includes point down the layers (tools/layers.sh states the rule).
echo "# layers"
check "layering: includes point down" 0 tools/layers.sh
