#include "uuid7.h"

#include <QByteArray>
#include <QRandomGenerator>

#include <algorithm>
#include <mutex>

namespace af {

namespace {

/// The id of @p ms and 80 random bits at @p random (74 of them used).
QUuid build(quint64 ms, const quint32 *random)
{
    QByteArray b(16, Qt::Uninitialized);
    for (int k = 0; k < 6; ++k)
        b[k] = char((ms >> (8 * (5 - k))) & 0xff);
    for (int k = 0; k < 10; ++k)
        b[6 + k] = char((random[k / 4] >> (8 * (k % 4))) & 0xff);
    b[6] = char(0x70 | (b[6] & 0x0f)); // version 7
    b[8] = char(0x80 | (b[8] & 0x3f)); // variant 10
    return QUuid::fromRfc4122(b);
}

} // namespace

QUuid Uuid7::make(qint64 unixMillis)
{
    quint32 random[3];
    QRandomGenerator::system()->fillRange(random);
    return build(quint64(std::max<qint64>(unixMillis, 0)), random);
}

std::vector<QString> Uuid7::sortedText(size_t n, qint64 unixMillis)
{
    std::vector<QString> ids;
    if (n == 0)
        return ids;
    ids.reserve(n);
    std::vector<quint32> random(n * 3); // drawn at once: one call to the generator
    QRandomGenerator::system()->fillRange(random.data(), qsizetype(random.size()));
    quint64 ms = quint64(std::max<qint64>(unixMillis, 0));
    quint32 count = 0;
    {
        static std::mutex mutex;
        static quint64 lastMs = 0;
        static quint32 lastCount = 0;
        std::lock_guard<std::mutex> lock(mutex);
        if (ms > lastMs) {
            count = random[0] & 0x7ff; // a new millisecond starts low: room to count up
        } else {
            ms = lastMs;
            count = lastCount + 1;
            if (count > 0xfff) { // 4 096 calls in one millisecond: borrow the next one
                ++ms;
                count = 0;
            }
        }
        lastMs = ms;
        lastCount = count;
    }
    for (size_t i = 0; i < n; ++i) {
        // The count replaces the 12 random bits after the version (build() keeps the
        // low 4 bits of byte 6 and all of byte 7 from random[0]'s first two bytes).
        quint32 *r = &random[3 * i];
        r[0] = (r[0] & 0xffff0000u) | ((count >> 8) & 0x0f) | ((count & 0xff) << 8);
        ids.push_back(build(ms, r).toString(QUuid::WithoutBraces));
    }
    std::sort(ids.begin(), ids.end()); // same length, lower-case hex: text order is uuid order
    return ids;
}

} // namespace af
