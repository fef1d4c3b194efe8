// What the tests, the fault suite and the benchmark share: waiting for a condition, the servers, a redis-server of a test's own.
// (The scheduler's own namespaces come from its Usings.cs, linked in the project file.)
global using Messaging.Testing;
