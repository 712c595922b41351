// The model layer (FeedModel, CommentsModel, AdminModel, FeedSource) lands here.
namespace af {
}
