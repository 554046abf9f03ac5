using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace ActorKvm.Cluster.Hosting;

/// <summary>Akka's log lines on stderr, one line each: a cluster node's stdout holds only the report (and <c>--json</c>).</summary>
public sealed class StandardErrorLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>Creates the logger (Akka does, from <c>akka.loggers</c>).</summary>
    public StandardErrorLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => Console.Error.WriteLine($"akka: [{e.LogLevel().ToString().Replace("Level", "", StringComparison.Ordinal).ToLowerInvariant()}] {e.LogSource}: {e.Message}{(e.Cause is null ? "" : $" ({e.Cause.Message})")}"));
    }
}
