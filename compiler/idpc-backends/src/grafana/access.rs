//! Who sees what in Grafana, as Terraform for the Grafana provider: the OPA observability policy
//! lets a team's members see its services' dashboards and logs, so each team is a Grafana team
//! that may view its folder (where its dashboards are provisioned, by the folder's uid), and,
//! when the platform names its logs data source, may query it for its own namespaces only.
//!
//! `grafana/access.tf`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use idpc_ir::Platform;

use crate::Artifact;
use crate::common::{header_line, names};

pub(crate) fn emit(platform: &Platform) -> Option<Artifact> {
    // The namespaces each team's services run in, for the teams that own a service.
    let mut namespaces: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for service in &platform.services {
        namespaces.entry(&platform.team(service.team).name).or_default();
    }
    for deployment in &platform.deployments {
        let team = &platform.team(platform.service(deployment.service).team).name;
        namespaces.entry(team).or_default().insert(&deployment.namespace);
    }
    if namespaces.is_empty() {
        return None;
    }
    let mut out = format!("# {}\n", header_line(platform.file_path(platform.span.file)));
    out.push_str(
        "\n# Who sees what in Grafana, as the OPA observability policy says: the members of each team\n# may view its folder, where its services' dashboards are, and read the logs of its own\n# namespaces only. Apply it before Grafana provisions the dashboards into the folders.\n",
    );
    out.push_str(
        "\nterraform {\n  required_providers {\n    grafana = {\n      source  = \"grafana/grafana\"\n      version = \">= 3.0\"\n    }\n  }\n}\n",
    );
    for team in platform.teams.iter().filter(|t| namespaces.contains_key(t.name.as_str())) {
        let block = names::snake(&team.name);
        let mut members: Vec<String> =
            team.members.iter().map(|m| format!("\"{}\"", m.email.as_str())).collect();
        members.sort();
        let _ = write!(
            out,
            "\nresource \"grafana_team\" \"{block}\" {{\n  name    = \"{}\"\n  members = [{}]\n}}\n",
            team.name,
            members.join(", ")
        );
        let _ = write!(
            out,
            "\nresource \"grafana_folder\" \"{block}\" {{\n  uid   = \"{}\"\n  title = \"{}\"\n}}\n",
            names::folder_uid(platform, &team.name),
            team.name
        );
        let _ = write!(
            out,
            "\n# Only the team sees its folder; organisation admins see every folder anyway.\nresource \"grafana_folder_permission\" \"{block}\" {{\n  folder_uid = grafana_folder.{block}.uid\n\n  permissions {{\n    team_id    = grafana_team.{block}.id\n    permission = \"View\"\n  }}\n}}\n"
        );
    }
    if let Some(logs) = &platform.observability.logs_datasource {
        logs_access(&mut out, logs, &namespaces);
    }
    Some(Artifact { path: "grafana/access.tf".to_owned(), contents: out })
}

/// The teams may query the logs data source, each only for its own namespaces.
fn logs_access(out: &mut String, uid: &str, namespaces: &BTreeMap<&str, BTreeSet<&str>>) {
    let uid = uid.replace('\\', "\\\\").replace('"', "\\\"").replace("${", "$${");
    let _ = write!(
        out,
        "\ndata \"grafana_data_source\" \"logs\" {{\n  uid = \"{uid}\"\n}}\n\nresource \"grafana_data_source_permission\" \"logs\" {{\n  datasource_uid = data.grafana_data_source.logs.uid\n"
    );
    for team in namespaces.keys() {
        let _ = write!(
            out,
            "\n  permissions {{\n    team_id    = grafana_team.{}.id\n    permission = \"Query\"\n  }}\n",
            names::snake(team)
        );
    }
    out.push_str("}\n");
    // The keys are aligned as `terraform fmt` aligns them.
    let keys: Vec<String> =
        namespaces.keys().map(|t| format!("(grafana_team.{}.team_uid)", names::snake(t))).collect();
    let width = keys.iter().map(String::len).max().unwrap_or(0);
    out.push_str(
        "\n# Label-based access: each team's queries see only its namespaces' log streams.\nresource \"grafana_data_source_config_lbac_rules\" \"logs\" {\n  datasource_uid = data.grafana_data_source.logs.uid\n\n  rules = jsonencode({\n",
    );
    for (key, spaces) in keys.iter().zip(namespaces.values()) {
        let _ = writeln!(out, "    {key:width$} = [{}]", selector(spaces));
    }
    out.push_str("  })\n}\n");
}

/// The LogQL selector of a team's namespaces, as an HCL string: `"{ namespace=~\"a|b\" }"`. A
/// team without deployments selects nothing.
pub(crate) fn selector(namespaces: &BTreeSet<&str>) -> String {
    if namespaces.is_empty() {
        return String::new();
    }
    let alternatives: Vec<&str> = namespaces.iter().copied().collect();
    format!("\"{{ namespace=~\\\"{}\\\" }}\"", alternatives.join("|"))
}
