#pragma once
#include "core/admin.h" // DrainResult, PreviewRow

#include <QByteArray>
#include <QString>

#include <optional>
#include <vector>

#include <pqxx/connection>

namespace af {

class ConnectionPool;

/// A drain's preview is the admin's PreviewRow; the drainer fills what the queue says,
/// AdminService adds the tenant's name and the type's icon.
using PreviewTile = PreviewRow;

/// @brief Queue → events: one global advisory transaction lock, batches of at most 5 000
/// rows (the first of at most 1 000), each batch one transaction that inserts, grows and
/// folds events (TilePlan) with their source rows, marks the queue rows processed, logs a
/// drain_runs row and NOTIFYs on commit. Any sequence of drains gives the events one drain over the same rows would.
/// Each full batch reads the next batch's rows on a second connection (an idle one of
/// @p readers, else one opened with the given connection's own options) while its
/// statements run on the first; rows committed
/// during the drain with a time before rows it has read already wait for the next drain.
/// It answers as soon as its last batch has committed: readers learn of the new and
/// changed events from the NOTIFY, so the drain itself never reads them back.
class Drainer
{
public:
    static constexpr int kBatchSize = 5000;
    /// A batch the drain reads for itself (its first, or one whose rows read ahead were
    /// taken) takes at most this many rows: nothing runs in PostgreSQL while such a batch
    /// is read, parsed and planned, and the next one is read ahead while it writes. A
    /// first batch whose rows are all one window still open at its end is read again up
    /// to kBatchSize rows, so that it does not split that window either.
    static constexpr int kFirstBatchSize = 1000;
    /// One advisory lock key for every drain batch of every process sharing the database
    /// (a transaction lock): seq order is then commit order, which the SSE replay relies on.
    static constexpr long long kLockKey = 0x4166'4472'6169'6e21LL; // "AfDrain!"

    /// @brief Drains every unprocessed row (of @p tenantId); first marks as abandoned the
    /// drain_runs rows that no running drain owns any more (their process was killed).
    /// A server passes its pool as @p readers: each read ahead leases one of its idle
    /// connections for that read only.
    static DrainResult drainQueue(pqxx::connection &conn, std::optional<int> tenantId = {},
                                  const QString &trigger = QStringLiteral("api"),
                                  ConnectionPool *readers = nullptr);
    /// @brief The same grouping without writing (first batch only).
    static std::vector<PreviewTile> previewDrain(pqxx::connection &conn,
                                                 std::optional<int> tenantId = {});
};

} // namespace af
