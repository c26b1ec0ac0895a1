using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OrleansChat.Grains.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo =>
{
    var orleans = builder.Configuration.GetSection("Orleans");
    silo.UseLocalhostClustering(orleans.GetValue("SiloPort", 11111), orleans.GetValue("GatewayPort", 30000));
    silo.AddChatGrains(builder.Configuration);
});
await builder.Build().RunAsync();
