# Read-only access for requests without a token: list and read jobs in
# every namespace, read nodes. Apply it under the name "anonymous".
namespace "*" {
  policy = "read"
}

node {
  policy = "read"
}

agent {
  policy = "read"
}
