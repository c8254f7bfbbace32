"""What the tests (and the template's bench/) use to start and talk to real servers.

servers: free ports, processes in their own group, the app under its production server and
its environment; emulator: the sgID emulator and its admin API; stores: session-store servers;
instances: the contract suite's app instances and their settings; http_client: a person's
steps through a login, over HTTP (requests; "browser" means only the real Chromium of e2e/).
Nothing here imports the app at module level: bench/ runs these from the template's own
environment.
"""
