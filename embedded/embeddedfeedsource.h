#pragma once
#include "feedsource.h"

#include "feed/streammessage.h"

#include <QThreadPool>

#include <memory>

namespace af {
class Broadcaster;
class FeedService;
class MarkerService;
} // namespace af
class EmbeddedStreamClient;

/// @brief FeedSource over the in-process backend: every call runs the FeedService on a
/// worker thread and answers with its domain values; live updates come from the
/// broadcaster as typed messages (embedded mode).
class EmbeddedFeedSource : public FeedSource
{
    Q_OBJECT
public:
    /// @param service, @p broadcaster and @p markers (if set) must outlive this object.
    /// Without @p markers, the source keeps no read marker.
    EmbeddedFeedSource(af::FeedService &service, af::Broadcaster &broadcaster,
                       int actingTenantId, QObject *parent = nullptr,
                       af::MarkerService *markers = nullptr);
    ~EmbeddedFeedSource() override;

    void loadEvents(const QString &cursor, int limit, QObject *context,
                    Callback<af::FeedPage> done) override;
    void loadEvents(const QString &cursor, int limit, const FeedFilter &filter,
                    QObject *context, Callback<af::FeedPage> done) override;
    void loadMarker(QObject *context, Callback<af::Marker> done) override;
    void advanceMarker(qint64 lastReadSeq, QObject *context, Callback<af::Marker> done) override;
    void loadEventSources(const QString &eventId, QObject *context,
                          Callback<std::vector<af::SourceRow>> done) override;
    void setReaction(const QString &eventId, const QString &type, bool add, QObject *context,
                     Callback<af::ReactionChange> done) override;
    void loadComments(const QString &eventId, const QString &cursor, int limit,
                      QObject *context, Callback<af::CommentPage> done) override;
    void addComment(const QString &eventId, const QString &body, QObject *context,
                    Callback<af::PostedComment> done) override;
    void start() override;

    [[nodiscard]] bool isEmbedded() const override { return true; }
    [[nodiscard]] QString location() const override { return tr("this computer"); }
    [[nodiscard]] int actingTenantId() const override { return m_tenantId; }
    void setActingTenantId(int tenantId) override;

private:
    template <typename T>
    void run(QObject *context, std::function<T()> work, Callback<T> done);
    void onMessage(const af::StreamMessage &message);
    void registerClient();
    void unregisterClient();

    af::FeedService &m_service;
    af::Broadcaster &m_broadcaster;
    af::MarkerService *m_markers;
    int m_tenantId;
    QThreadPool m_pool;
    std::shared_ptr<EmbeddedStreamClient> m_client;
};
