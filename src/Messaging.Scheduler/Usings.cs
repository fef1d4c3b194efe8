// The steps of a message's life live in folders of their own, and refer to one another freely.
global using Messaging.Scheduler.Delivery;
global using Messaging.Scheduler.Endpoint;
global using Messaging.Scheduler.Entries;
global using Messaging.Scheduler.Operations;
global using Messaging.Scheduler.Recurring;
global using Messaging.Scheduler.Storage;
global using Messaging.Scheduler.Writing;
global using Messaging.Scheduler.Legacy;
global using Messaging.Scheduler.Consuming;
