/* server/messages_acl.c: descriptors of the ACL and namespace messages. */
#include "server/messages_acl.h"

SCHEMA_DEFINE(acl_bootstrap_request, ACL_BOOTSTRAP_REQUEST_FIELDS, 0);
SCHEMA_DEFINE(acl_tokens_response, ACL_TOKENS_RESPONSE_FIELDS, 0);
SCHEMA_DEFINE(acl_policy_upsert_request, ACL_POLICY_UPSERT_REQUEST_FIELDS, 0);
SCHEMA_DEFINE(acl_names_request, ACL_NAMES_REQUEST_FIELDS, 0);
SCHEMA_DEFINE(acl_write_response, ACL_WRITE_RESPONSE_FIELDS, 0);
SCHEMA_DEFINE(acl_specific_request, ACL_SPECIFIC_REQUEST_FIELDS, 0);
SCHEMA_DEFINE(acl_policy_list_stub, ACL_POLICY_LIST_STUB_FIELDS, 0);
SCHEMA_DEFINE(acl_policy_list_response, ACL_POLICY_LIST_RESPONSE_FIELDS, 0);
SCHEMA_DEFINE(single_acl_policy_response, SINGLE_ACL_POLICY_RESPONSE_FIELDS, 0);
SCHEMA_DEFINE(acl_token_upsert_request, ACL_TOKEN_UPSERT_REQUEST_FIELDS, 0);
SCHEMA_DEFINE(acl_token_delete_request, ACL_TOKEN_DELETE_REQUEST_FIELDS, 0);
SCHEMA_DEFINE(acl_token_list_stub, ACL_TOKEN_LIST_STUB_FIELDS, 0);
SCHEMA_DEFINE(acl_token_list_response, ACL_TOKEN_LIST_RESPONSE_FIELDS, 0);
SCHEMA_DEFINE(single_acl_token_response, SINGLE_ACL_TOKEN_RESPONSE_FIELDS, 0);
SCHEMA_DEFINE(namespace_upsert_request, NAMESPACE_UPSERT_REQUEST_FIELDS, 0);
SCHEMA_DEFINE(namespace_list_response, NAMESPACE_LIST_RESPONSE_FIELDS, 0);
SCHEMA_DEFINE(single_namespace_response, SINGLE_NAMESPACE_RESPONSE_FIELDS, 0);
