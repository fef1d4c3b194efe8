using Messaging.FaultTests.Infrastructure;

namespace Messaging.FaultTests;

/// <summary>What every scenario shares: the mode, the run folder and the suite's RabbitMQ node.</summary>
internal sealed class SuiteContext(SuiteOptions options, string folder, RabbitNode rabbit)
{
    public SuiteOptions Options { get; } = options;
    public bool Quick => Options.Quick;
    public string Folder { get; } = folder;
    public RabbitNode Rabbit { get; } = rabbit;

    /// <summary>The bridge's lease: the product default (30 s) in the full run, 5 s in the quick one.</summary>
    public TimeSpan Lease => Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(30);

    public static void Say(string text) => Console.WriteLine($"[fault {DateTime.UtcNow:HH:mm:ss.fff}] {text}");
}
