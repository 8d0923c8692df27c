using AftercareNudge.Tools;

return await StoredAddressCheck.RunAsync(args, Console.Out, CancellationToken.None);
