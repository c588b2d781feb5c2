print("openframe-rpc")
