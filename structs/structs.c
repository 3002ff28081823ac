/* structs/structs.c: the table of every schema of the data model. */
#include "structs/structs.h"

#include <string.h>

const struct schema *const structs_all[] = {
    /* top level */
    &job_schema,
    &allocation_schema,
    &evaluation_schema,
    &node_schema,
    &acl_policy_schema,
    &acl_token_schema,
    &namespace_schema,
    &variable_schema,
    &service_registration_schema,
    /* job family */
    &constraint_schema,
    &affinity_schema,
    &spread_target_schema,
    &spread_schema,
    &port_schema,
    &dns_config_schema,
    &cni_config_schema,
    &network_resource_schema,
    &numa_schema,
    &requested_device_schema,
    &resources_schema,
    &check_restart_schema,
    &service_check_schema,
    &service_weights_schema,
    &workload_identity_schema,
    &service_schema,
    &change_script_schema,
    &wait_config_schema,
    &task_template_schema,
    &task_artifact_schema,
    &restart_policy_schema,
    &reschedule_policy_schema,
    &update_strategy_schema,
    &migrate_strategy_schema,
    &ephemeral_disk_schema,
    &log_config_schema,
    &task_lifecycle_schema,
    &csi_mount_options_schema,
    &volume_request_schema,
    &volume_mount_schema,
    &dispatch_payload_config_schema,
    &disconnect_strategy_schema,
    &scaling_policy_schema,
    &task_schema,
    &task_group_schema,
    &periodic_config_schema,
    &parameterized_job_config_schema,
    &job_ui_link_schema,
    &job_ui_config_schema,
    &job_version_tag_schema,
    /* allocations */
    &allocated_cpu_resources_schema,
    &allocated_memory_resources_schema,
    &allocated_device_resource_schema,
    &allocated_port_mapping_schema,
    &allocated_task_resources_schema,
    &allocated_shared_resources_schema,
    &allocated_resources_schema,
    &task_event_schema,
    &task_state_schema,
    &node_score_meta_schema,
    &alloc_metric_schema,
    &reschedule_event_schema,
    &reschedule_tracker_schema,
    &desired_transition_schema,
    &alloc_deployment_status_schema,
    &alloc_network_status_schema,
    &alloc_state_schema,
    /* evaluations */
    &evaluation_stub_schema,
    /* nodes */
    &node_cpu_resources_schema,
    &node_processor_resources_schema,
    &node_memory_resources_schema,
    &node_disk_resources_schema,
    &node_network_address_schema,
    &node_network_resource_schema,
    &node_resources_schema,
    &node_reserved_cpu_resources_schema,
    &node_reserved_memory_resources_schema,
    &node_reserved_disk_resources_schema,
    &node_reserved_network_resources_schema,
    &node_reserved_resources_schema,
    &driver_info_schema,
    &node_event_schema,
    &drain_strategy_schema,
    &drain_metadata_schema,
    &client_host_volume_schema,
    &client_host_network_schema,
    /* ACL */
    &job_acl_schema,
    &acl_token_role_link_schema,
    /* namespaces */
    &namespace_capabilities_schema,
    &namespace_node_pool_config_schema,
    /* variables */
    &variable_lock_schema,
    &variable_metadata_schema,
    &variable_encrypted_schema,
};

const size_t structs_nall = sizeof structs_all / sizeof structs_all[0];

const struct schema *structs_schema_by_name(const char *name)
{
	for (size_t i = 0; i < structs_nall; i++)
		if (strcmp(structs_all[i]->name, name) == 0)
			return structs_all[i];
	return NULL;
}
