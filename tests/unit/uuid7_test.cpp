// core/uuid7: time-ordered ids, ascending across calls whatever the clock does.
#include "core/uuid7.h"

#include <gtest/gtest.h>

#include <set>

namespace {

bool isV7(const QString &id)
{
    return id.size() == 36 && id.at(14) == QLatin1Char('7')
        && QStringLiteral("89ab").contains(id.at(19));
}

} // namespace

TEST(Uuid7, IdsAscendAcrossCallsInOneMillisecondAndWhenTheClockGoesBack)
{
    const qint64 base = 1'800'000'000'000; // ms
    std::vector<QString> all;
    // The same millisecond again and again, one earlier (a clock stepped back), later.
    for (const qint64 ms : {base, base, base, base - 5, base, base + 1, base + 1}) {
        const std::vector<QString> ids = af::Uuid7::sortedText(500, ms);
        ASSERT_EQ(ids.size(), 500u);
        for (const QString &id : ids) {
            EXPECT_TRUE(isV7(id)) << id.toStdString();
            if (!all.empty()) {
                ASSERT_LT(all.back(), id) << "an id not above every id made before it";
            }
            all.push_back(id);
        }
    }
    EXPECT_EQ(std::set<QString>(all.begin(), all.end()).size(), all.size());
    // The first 48 bits are the call's millisecond when it is later than the last one.
    const qint64 later = base + 1000;
    const QString hex = QString::number(later, 16).rightJustified(12, QLatin1Char('0'));
    EXPECT_EQ(af::Uuid7::sortedText(1, later).front().left(13), hex.left(8) + QLatin1Char('-') + hex.mid(8));
}

TEST(Uuid7, FourThousandCallsInOneMillisecondStillAscend)
{
    const qint64 ms = 1'900'000'000'000;
    QString last;
    for (int i = 0; i < 5000; ++i) { // past the 4 096 counts of one millisecond
        const QString id = af::Uuid7::sortedText(1, ms).front();
        if (!last.isEmpty()) {
            ASSERT_LT(last, id) << "call " << i;
        }
        last = id;
    }
}
