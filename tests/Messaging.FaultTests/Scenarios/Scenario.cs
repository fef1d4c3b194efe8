namespace Messaging.FaultTests.Scenarios;

/// <summary>One fault scenario: its number (for <c>--only</c>), its id and title in the table, and what it does.</summary>
internal abstract class Scenario
{
    public abstract int Number { get; }

    /// <summary>The id in the table: the number, or the number and a variant (3a, 3b).</summary>
    public virtual string Id => Number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public abstract string Title { get; }

    /// <summary>How long the whole scenario may take, set-up and settling included; past it the scenario fails.</summary>
    public abstract TimeSpan Bound(bool quick);

    /// <summary>Runs only when named with <c>--only</c> (none does now; kept for a scenario that cannot run on every machine).</summary>
    public virtual bool OptIn => false;

    public abstract Task Run(ScenarioRun run);
}
