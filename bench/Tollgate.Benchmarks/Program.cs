using BenchmarkDotNet.Running;

if (args is ["budget-cpu", ..])
{
    // CPU time per operation: meaningful even when the shared machine is oversubscribed (see docs/benchmarks.md).
    await Tollgate.Benchmarks.Budgets.BudgetCpuRun.RunAsync(args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
