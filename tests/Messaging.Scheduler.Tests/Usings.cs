// The scheduler's internals the tests reach, one namespace per step of a message's life.
global using Messaging.Scheduler.Delivery;
global using Messaging.Scheduler.Endpoint;
global using Messaging.Scheduler.Entries;
global using Messaging.Scheduler.Operations;
global using Messaging.Scheduler.Recurring;
global using Messaging.Scheduler.Storage;
global using Messaging.Scheduler.Writing;

// What the tests, the fault suite and the benchmark share: waiting for a condition, the servers, a redis-server of a test's own.
global using Messaging.Testing;
