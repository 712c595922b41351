#include "grouping.h"

#include "core/catalogue.h"

#include <QDateTime>
#include <QJsonArray>

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

namespace af {

QString isoMicros(Micros t)
{
    const qint64 ms = t >= 0 ? t / 1000 : (t - 999) / 1000;
    const int us = int(t - ms * 1000);
    const QDateTime dt = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
    return dt.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz")) +
           QStringLiteral("%1Z").arg(us, 3, 10, QLatin1Char('0'));
}

namespace {

GroupedEvent single(const QueueRow &r)
{
    GroupedEvent e;
    e.tenantId = r.tenantId;
    e.eventType = r.eventType;
    if (const EventTypeInfo *info = Catalogue::type(r.eventType)) {
        e.displayName = info->displayName;
        e.icon = info->icon;
    } else {
        e.displayName = r.eventType;
        e.icon = QStringLiteral("•");
    }
    e.description = Catalogue::describe(r.eventType, r.payload);
    e.payload = r.payload;
    e.createdAt = r.createdAt;
    e.sourceIds = {r.id};
    return e;
}

GroupedEvent tile(const std::vector<const QueueRow *> &window)
{
    GroupedEvent e = single(*window.back());
    const int n = int(window.size());
    e.description = Catalogue::describeGroup(e.eventType, n);
    QJsonArray samples;
    for (int i = n - 1; i >= 0 && samples.size() < Catalogue::limits().tileSamples; --i)
        samples.append(window[size_t(i)]->payload);
    e.payload = QJsonObject{{QStringLiteral("count"), n},
                            {QStringLiteral("samples"), samples},
                            {QStringLiteral("first_at"), isoMicros(window.front()->createdAt)},
                            {QStringLiteral("last_at"), isoMicros(window.back()->createdAt)}};
    e.sourceIds.clear();
    for (const QueueRow *r : window)
        e.sourceIds.push_back(r->id);
    return e;
}

} // namespace

Micros Grouping::window()
{
    return Micros(Catalogue::limits().tileWindowSeconds) * 1000 * 1000;
}

std::vector<GroupedEvent> Grouping::group(std::vector<QueueRow> rows)
{
    return groupClosed(std::move(rows), std::numeric_limits<Micros>::max(), nullptr);
}

std::vector<GroupedEvent> Grouping::groupClosed(std::vector<QueueRow> rows, Micros horizon,
                                                std::vector<QString> *deferred)
{
    std::sort(rows.begin(), rows.end(), [](const QueueRow &a, const QueueRow &b) {
        return std::tie(a.createdAt, a.id) < std::tie(b.createdAt, b.id);
    });
    std::map<std::pair<int, QString>, std::vector<const QueueRow *>> byKey;
    for (const QueueRow &r : rows)
        byKey[{r.tenantId, r.eventType}].push_back(&r);

    const Micros kWindow = window();
    const size_t kMinGroup = size_t(Catalogue::limits().tileMinRows);
    std::vector<GroupedEvent> out;
    for (const auto &[key, list] : byKey) {
        size_t i = 0;
        while (i < list.size()) {
            const Micros opening = list[i]->createdAt;
            size_t j = i;
            while (j < list.size() && list[j]->createdAt < opening + kWindow)
                ++j;
            if (deferred && j == list.size() && opening + kWindow > horizon) {
                for (size_t k = i; k < j; ++k)
                    deferred->push_back(list[k]->id);
            } else if (j - i >= kMinGroup) {
                out.push_back(tile({list.begin() + long(i), list.begin() + long(j)}));
                out.back().windowStart = opening;
            } else {
                for (size_t k = i; k < j; ++k) {
                    out.push_back(single(*list[k]));
                    out.back().windowStart = opening;
                }
            }
            i = j;
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const GroupedEvent &a, const GroupedEvent &b) {
        return std::tie(a.createdAt, a.tenantId, a.eventType) <
               std::tie(b.createdAt, b.tenantId, b.eventType);
    });
    return out;
}

} // namespace af
