using Messaging.Scheduler.Cli;

// The scheduler command-line tool: see SchedulerCli (and README, "The scheduler command-line tool").
return await SchedulerCli.Run(args, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
