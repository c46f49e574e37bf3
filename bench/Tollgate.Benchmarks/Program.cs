using BenchmarkDotNet.Running;

if (args is ["budget-cpu", ..])
{
    // CPU time per operation: meaningful even when the shared machine is oversubscribed (see docs/benchmarks.md).
    await Tollgate.Benchmarks.Budgets.BudgetCpuRun.RunAsync(args[1..]);
    return;
}

if (args is ["fingerprint-cpu", ..])
{
    // CPU time of the middleware's request fingerprint alone.
    Tollgate.Benchmarks.ExtensionsAI.FingerprintCpuRun.Run(args[1..]);
    return;
}

if (args is ["meai-cpu", ..])
{
    // CPU time per call of the Microsoft.Extensions.AI middleware against the bare inner client.
    await Tollgate.Benchmarks.ExtensionsAI.MiddlewareCpuRun.RunAsync(args[1..]);
    return;
}

if (args is ["meai-parts", ..])
{
    // CPU time per operation of each piece of the middleware's per-call work.
    await Tollgate.Benchmarks.ExtensionsAI.MiddlewarePartsRun.RunAsync(args[1..]);
    return;
}

if (args is ["meai-alloc", ..])
{
    // Bytes per call of the middleware by type (sampled allocation ticks).
    await Tollgate.Benchmarks.ExtensionsAI.MiddlewareAllocRun.RunAsync(args[1..]);
    return;
}

if (args is ["ledger-cpu", ..])
{
    // Ledger append throughput with CPU time per record (client, and PostgreSQL server backends).
    await Tollgate.Benchmarks.Ledger.LedgerCpuRun.RunAsync(args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
