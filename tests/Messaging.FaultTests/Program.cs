using Messaging.FaultTests;
using Messaging.FaultTests.Worker;

// Two programs in one: the fault suite (default), and the worker process it starts, kills and restarts ("worker ...").
if (args.Length > 0 && args[0] == "worker")
    return await WorkerHost.Run(args[1..]);

return await Suite.Run(args);
