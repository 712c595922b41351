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
    // A drain formats two or three of these per event it writes: QDateTime's pattern
    // formatter (parsing the pattern, the locale's digits) was a visible part of a drain's
    // client time, so the common range is formatted by hand, with the same result.
    constexpr Micros kDay = Micros(86'400) * 1'000'000;
    Micros days = t / kDay;
    Micros inDay = t % kDay;
    if (inDay < 0) {
        inDay += kDay;
        --days;
    }
    // Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days).
    const Micros z = days + 719'468;
    const Micros era = (z >= 0 ? z : z - 146'096) / 146'097;
    const Micros doe = z - era * 146'097;
    const Micros yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
    const Micros doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const Micros mp = (5 * doy + 2) / 153;
    const int day = int(doy - (153 * mp + 2) / 5 + 1);
    const int month = int(mp < 10 ? mp + 3 : mp - 9);
    const Micros year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 0 || year > 9999) {
        const qint64 ms = t >= 0 ? t / 1000 : (t - 999) / 1000;
        const int us = int(t - ms * 1000);
        const QDateTime dt = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
        return dt.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz")) +
               QStringLiteral("%1Z").arg(us, 3, 10, QLatin1Char('0'));
    }
    const Micros secs = inDay / 1'000'000;
    const int frac = int(inDay % 1'000'000);
    char buf[28];
    auto put = [&buf](int at, long long v, int width) {
        for (int i = width - 1; i >= 0; --i, v /= 10)
            buf[at + i] = char('0' + v % 10);
    };
    put(0, year, 4);
    buf[4] = '-';
    put(5, month, 2);
    buf[7] = '-';
    put(8, day, 2);
    buf[10] = 'T';
    put(11, secs / 3600, 2);
    buf[13] = ':';
    put(14, secs / 60 % 60, 2);
    buf[16] = ':';
    put(17, secs % 60, 2);
    buf[19] = '.';
    put(20, frac, 6);
    buf[26] = 'Z';
    return QString::fromLatin1(buf, 27);
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
    e.payloadText = r.payloadText;
    e.createdAt = r.createdAt;
    e.sourceIds = {r.id};
    return e;
}

GroupedEvent tile(const std::vector<const QueueRow *> &window)
{
    GroupedEvent e = single(*window.back());
    const int n = int(window.size());
    e.description = Catalogue::describeGroup(e.eventType, n);
    e.payloadText.clear();
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
