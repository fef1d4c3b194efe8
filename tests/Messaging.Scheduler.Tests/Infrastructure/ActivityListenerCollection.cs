namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>
/// The test classes that listen to MassTransit's activities, and the one that must not be heard: an
/// <see cref="System.Diagnostics.ActivityListener" /> is process-wide, and while one listens MassTransit starts a send span
/// for every publish and writes its <c>MT-Activity-Id</c> header, which <see cref="DirectPublishEqualityTests" /> compares.
/// xunit runs the classes of one collection one after another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ActivityListenerCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "activity listeners";
}
