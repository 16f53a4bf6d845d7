+ dcc_bridge 0.1.0 ./dcc_bridge
