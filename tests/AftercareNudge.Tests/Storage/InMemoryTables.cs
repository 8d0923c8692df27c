using System.Globalization;
using AftercareNudge.Storage;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;

namespace AftercareNudge.Tests.Storage;

/// <summary>
/// Table Storage in memory, as far as the app uses it: the writes it makes (add, upsert, update,
/// delete, single-partition transactions, ETags, 404/409/412), point reads, and queries with the
/// filters <see cref="TableClient.CreateQueryFilter"/> makes (comparisons joined by and, or, not,
/// on strings, instants, numbers and booleans). It keeps every key the app reads or writes, so a
/// test can pin the keys an entry point produces without Azurite.
/// </summary>
internal sealed class InMemoryTables : TableServiceClient
{
    private readonly Dictionary<string, InMemoryTable> _tables = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>What the app wrote, read and asked, in order: <c>table op partition|row</c> or <c>table query filter</c>.</summary>
    public List<string> Journal { get; } = [];

    /// <summary>The app's tables, unprefixed, over this storage.</summary>
    public AppTables AppTables() => new(this, "");

    public override TableClient GetTableClient(string tableName)
    {
        lock (_lock)
        {
            if (!_tables.TryGetValue(tableName, out var table))
            {
                table = new InMemoryTable(tableName, this);
                _tables[tableName] = table;
            }

            return table;
        }
    }

    /// <summary>Every row of a table as <c>partition|row</c>, in key order.</summary>
    public IReadOnlyList<string> Keys(string table) =>
        Table(table).Snapshot().Select(e => e.PartitionKey + "|" + e.RowKey).ToList();

    /// <summary>Every row of a table, in key order.</summary>
    public IReadOnlyList<TableEntity> Rows(string table) => Table(table).Snapshot();

    /// <summary>The journal lines of one operation on one table (<c>add</c>, <c>upsert</c>, <c>get</c>, <c>query</c>…), without the prefix.</summary>
    public IReadOnlyList<string> Journaled(string table, string operation)
    {
        var prefix = table + " " + operation + " ";
        lock (_lock)
        {
            return Journal.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l[prefix.Length..]).ToList();
        }
    }

    /// <summary>Puts a row in place as if an earlier version of the app had written it.</summary>
    public void Seed(string table, TableEntity entity) => Table(table).Put(entity);

    internal void Record(string line)
    {
        lock (_lock)
        {
            Journal.Add(line);
        }
    }

    private InMemoryTable Table(string name) => (InMemoryTable)GetTableClient(name);

    private sealed class InMemoryTable(string name, InMemoryTables owner) : TableClient
    {
        private readonly SortedDictionary<(string, string), TableEntity> _rows = new(KeyOrder.Instance);
        private readonly Lock _lock = new();
        private long _version;

        public override string Name => name;

        public List<TableEntity> Snapshot()
        {
            lock (_lock)
            {
                return _rows.Values.Select(Copy).ToList();
            }
        }

        public void Put(TableEntity entity)
        {
            lock (_lock)
            {
                Store(Copy(entity));
            }
        }

        public override Task<Response<TableItem>> CreateIfNotExistsAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(Response.FromValue(TableModelFactory.TableItem(name), (Response)new FakeResponse(204)));

        public override Task<Response> AddEntityAsync<T>(T entity, CancellationToken cancellationToken = default) =>
            Task.FromResult(Write(TableTransactionActionType.Add, Entity(entity), default));

        public override Task<Response> UpsertEntityAsync<T>(T entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default) =>
            Task.FromResult(Write(mode == TableUpdateMode.Merge ? TableTransactionActionType.UpsertMerge : TableTransactionActionType.UpsertReplace, Entity(entity), default));

        public override Task<Response> UpdateEntityAsync<T>(T entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default) =>
            Task.FromResult(Write(mode == TableUpdateMode.Merge ? TableTransactionActionType.UpdateMerge : TableTransactionActionType.UpdateReplace, Entity(entity), ifMatch));

        public override Task<Response> DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken cancellationToken = default)
        {
            // As the SDK: a missing entity is a 404 response, not an exception.
            try
            {
                return Task.FromResult(Write(TableTransactionActionType.Delete, new TableEntity(partitionKey, rowKey), ifMatch));
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return Task.FromResult<Response>(new FakeResponse(404));
            }
        }

        public override Task<NullableResponse<T>> GetEntityIfExistsAsync<T>(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        {
            owner.Record($"{name} get {partitionKey}|{rowKey}");
            lock (_lock)
            {
                var found = _rows.TryGetValue((partitionKey, rowKey), out var row) ? (T)(object)Copy(row) : null;
                return Task.FromResult<NullableResponse<T>>(new FakeNullableResponse<T>(found));
            }
        }

        public override AsyncPageable<T> QueryAsync<T>(string? filter = null, int? maxPerPage = null, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        {
            owner.Record($"{name} query {filter}");
            var match = ODataFilter.Parse(filter);
            List<T> rows;
            lock (_lock)
            {
                rows = _rows.Values.Where(match).Select(r => (T)(object)Copy(r)).ToList();
            }

            return AsyncPageable<T>.FromPages([Page<T>.FromValues(rows, null, new FakeResponse(200))]);
        }

        public override Task<Response<IReadOnlyList<Response>>> SubmitTransactionAsync(IEnumerable<TableTransactionAction> transactionActions, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(transactionActions);
            var actions = transactionActions.ToList();
            lock (_lock)
            {
                var before = _rows.ToDictionary(p => p.Key, p => p.Value);
                var version = _version;
                try
                {
                    var responses = actions.Select(a => Write(a.ActionType, Entity(a.Entity), a.ETag, "batch-")).ToList();
                    return Task.FromResult(Response.FromValue<IReadOnlyList<Response>>(responses, new FakeResponse(202)));
                }
                catch (RequestFailedException)
                {
                    // All or nothing.
                    _rows.Clear();
                    foreach (var (key, row) in before)
                    {
                        _rows[key] = row;
                    }

                    _version = version;
                    throw;
                }
            }
        }

        private Response Write(TableTransactionActionType action, TableEntity entity, ETag ifMatch, string journalPrefix = "")
        {
            var operation = action switch
            {
                TableTransactionActionType.Add => "add",
                TableTransactionActionType.UpsertMerge or TableTransactionActionType.UpsertReplace => "upsert",
                TableTransactionActionType.UpdateMerge or TableTransactionActionType.UpdateReplace => "update",
                TableTransactionActionType.Delete => "delete",
                _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
            };
            owner.Record($"{name} {journalPrefix}{operation} {entity.PartitionKey}|{entity.RowKey}");
            lock (_lock)
            {
                var key = (entity.PartitionKey, entity.RowKey);
                var exists = _rows.TryGetValue(key, out var current);
                if (action == TableTransactionActionType.Add && exists)
                {
                    throw new RequestFailedException(409, "The specified entity already exists.");
                }

                if (action is TableTransactionActionType.UpdateMerge or TableTransactionActionType.UpdateReplace or TableTransactionActionType.Delete)
                {
                    if (!exists)
                    {
                        throw new RequestFailedException(404, "The specified resource does not exist.");
                    }

                    if (ifMatch != default && ifMatch != ETag.All && ifMatch != current!.ETag)
                    {
                        throw new RequestFailedException(412, "The update condition specified in the request was not satisfied.");
                    }
                }

                if (action == TableTransactionActionType.Delete)
                {
                    _rows.Remove(key);
                    return new FakeResponse(204);
                }

                var stored = Copy(entity);
                if (exists && action is TableTransactionActionType.UpsertMerge or TableTransactionActionType.UpdateMerge)
                {
                    stored = Copy(current!);
                    foreach (var (property, value) in entity.Where(p => !IsSystem(p.Key)))
                    {
                        stored[property] = value;
                    }
                }

                return new FakeResponse(204, Store(stored));
            }
        }

        private ETag Store(TableEntity entity)
        {
            var etag = new ETag("W/\"" + (++_version).ToString(CultureInfo.InvariantCulture) + "\"");
            foreach (var property in entity.Where(p => p.Value is null).Select(p => p.Key).ToList())
            {
                // Table Storage keeps no null property.
                entity.Remove(property);
            }

            entity.ETag = etag;
            _rows[(entity.PartitionKey, entity.RowKey)] = entity;
            return etag;
        }

        private static bool IsSystem(string property) => property is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag";

        private static TableEntity Entity(ITableEntity entity) =>
            entity as TableEntity ?? throw new NotSupportedException("The app writes TableEntity rows only.");

        private static TableEntity Copy(TableEntity entity)
        {
            var copy = new TableEntity(entity.Where(p => !IsSystem(p.Key)).ToDictionary(p => p.Key, p => p.Value))
            {
                PartitionKey = entity.PartitionKey,
                RowKey = entity.RowKey,
                ETag = entity.ETag,
            };
            return copy;
        }
    }

    private sealed class KeyOrder : IComparer<(string, string)>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare((string, string) x, (string, string) y)
        {
            var partition = string.CompareOrdinal(x.Item1, y.Item1);
            return partition != 0 ? partition : string.CompareOrdinal(x.Item2, y.Item2);
        }
    }

    private sealed class FakeNullableResponse<T>(T? value) : NullableResponse<T>
    {
        public override bool HasValue => value is not null;

        public override T Value => value!;

        public override Response GetRawResponse() => new FakeResponse(value is null ? 404 : 200);
    }

    private sealed class FakeResponse(int status, ETag? etag = null) : Response
    {
        public override int Status => status;

        public override string ReasonPhrase => "";

        public override Stream? ContentStream { get; set; }

        public override string ClientRequestId { get; set; } = "";

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => TryGetHeader(name, out _);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() =>
            etag is { } e ? [new HttpHeader("ETag", e.ToString())] : [];

        protected override bool TryGetHeader(string name, out string value)
        {
            if (etag is { } e && name.Equals("ETag", StringComparison.OrdinalIgnoreCase))
            {
                value = e.ToString();
                return true;
            }

            value = "";
            return false;
        }

        protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
        {
            var found = TryGetHeader(name, out var value);
            values = found ? [value] : [];
            return found;
        }
    }
}
