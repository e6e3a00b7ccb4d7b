using Kozuchi.Testing;

[assembly: AssemblyFixture(typeof(AzuriteFixture))]
