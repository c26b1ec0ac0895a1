using System.Globalization;
using OrleansChat.Bench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
ThreadPool.SetMinThreads(64, 64);

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

var results = new Results(options.Label, options.Scenario, options.Out);
try
{
    await new Scenarios(options, results).RunAsync();
}
finally
{
    results.Flush();
}

return 0;
