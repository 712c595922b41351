#pragma once
#include "cannedfeedsource.h"

#include <QAbstractItemModel>
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>
#include <gtest/gtest.h>

#include <memory>

/// @brief What the list model tests share: a canned source, the model @p M under
/// QAbstractItemModelTester (fatal on any breach, fetching more on every insert as a
/// view does) with a spy on its inserts, and a wait until it has stopped loading.
template <typename M>
class ModelFixture : public ::testing::Test
{
protected:
    /// @brief A new model asking for pages of @p pageSize, its tester and its spy.
    void makeModel(int pageSize)
    {
        model = std::make_unique<M>();
        tester = std::make_unique<QAbstractItemModelTester>(
            model.get(), QAbstractItemModelTester::FailureReportingMode::Fatal);
        tester->setUseFetchMore(true);
        model->setPageSize(pageSize);
        inserted = std::make_unique<QSignalSpy>(model.get(), &QAbstractItemModel::rowsInserted);
    }
    bool waitIdle() { return QTest::qWaitFor([this] { return !model->isLoading(); }, 3000); }

    CannedFeedSource source;
    std::unique_ptr<M> model;
    std::unique_ptr<QAbstractItemModelTester> tester;
    std::unique_ptr<QSignalSpy> inserted;
};
