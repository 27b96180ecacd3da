//! Results kept between compiles (`Database::keep_results`, as the language server uses) give
//! exactly what a fresh compile gives: after every edit of a random sequence over a synthetic
//! estate, the diagnostics and the model of a database that keeps results (and takes back the
//! deployments of the last snapshot's model, or of a refresh of it) equal those of a database
//! built from the same files.

use idpc_query::{Database, Options, Snapshot};

use crate::support;

/// A small deterministic generator (64-bit LCG), so that a failure replays.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

fn options() -> Options {
    Options { today: support::options().today, policies: true }
}

/// What a compile tells a user: every diagnostic and the model, as text.
fn outcome(snapshot: &Snapshot) -> (String, String) {
    let diagnostics = format!("{:#?}", snapshot.compilation.diagnostics);
    let model = snapshot.model().map(|m| format!("{m:?}")).unwrap_or_default();
    (diagnostics, model)
}

/// A database built at once from the current files, keeping nothing. `ever` is every path
/// ever added, in order, so that files get the same ids as in the database under test (a
/// removed file keeps its id).
fn fresh(files: &[(String, String)], ever: &[String]) -> (String, String) {
    let mut db = Database::new();
    for path in ever {
        match files.iter().find(|(p, _)| p == path) {
            Some((_, text)) => {
                db.set_file(path, text.as_str(), None);
            }
            None => {
                db.set_file(path, "", None);
                db.remove_file(path);
            }
        }
    }
    outcome(&db.compile(options()))
}

/// One random edit of the description, of a kind that changes a different input of a service's
/// kept results: its own file, the names it resolves, the environments, the kinds.
fn edit(files: &mut Vec<(String, String)>, rng: &mut Lcg, round: usize) -> String {
    if let Some((path, text)) = files.iter_mut().find(|(_, t)| t.ends_with("{\n")) {
        text.truncate(text.len() - 2);
        return format!("fixed {path}");
    }
    let services: Vec<usize> =
        (0..files.len()).filter(|&i| files[i].0.starts_with("services/")).collect();
    let pick = services[rng.below(services.len())];
    match rng.below(10) {
        9 => {
            // Which services the ephemeral environment carries changes only the environment.
            let carried = 1 + rng.below(30);
            let (_, platform) = files.iter_mut().find(|(p, _)| p == "platform.kdl").unwrap();
            let start = platform.find("    services \"").unwrap();
            let end = start + platform[start..].find('\n').unwrap();
            platform.replace_range(start..end, &format!("    services \"svc-{carried:05}\""));
            format!("the preview carries svc-{carried:05}")
        }
        0 => {
            let (path, text) = &mut files[pick];
            *text = text.replacen("replicas 1", &format!("replicas {}", 2 + rng.below(5)), 1);
            format!("replicas in {path}")
        }
        1 => {
            let (path, text) = &mut files[pick];
            *text = text.replacen(
                "    image ",
                &format!("    env \"ROUND_{round}\" \"x\"\n    image "),
                1,
            );
            format!("a variable in {path}")
        }
        2 => {
            // Broken for one round: the next edit fixes it.
            let (path, text) = &mut files[pick];
            text.push_str("{\n");
            format!("broke {path}")
        }
        3 => {
            let (_, platform) = files.iter_mut().find(|(p, _)| p == "platform.kdl").unwrap();
            let start = platform.find("environment \"prod\"").unwrap();
            let end = start + platform[start..].find("}\n").unwrap() + 2;
            let region = rng.below(3);
            platform.replace_range(
                start..end,
                &format!("environment \"prod\" tier=\"production\" {{\n    approval required=#true\n    region \"r{region}\"\n}}\n"),
            );
            "the prod environment".to_owned()
        }
        4 => {
            let (_, platform) = files.iter_mut().find(|(p, _)| p == "platform.kdl").unwrap();
            platform.push_str(&format!(
                "team \"team-x{round:03}\" {{\n    member \"x{round}@example.com\"\n}}\n"
            ));
            "a new team".to_owned()
        }
        5 if files.iter().any(|(p, _)| p.contains("svc-new-")) => {
            // Nothing depends on an added service, so removing one leaves no dangling name.
            let at = files.iter().position(|(p, _)| p.contains("svc-new-")).unwrap();
            let removed = files.remove(at);
            format!("removed {}", removed.0)
        }
        6 => {
            // A copy of a service the presets accept (with a resource of the description's kind).
            let name = format!("svc-new-{round:03}");
            let (_, model) = files.iter().find(|(p, _)| p.ends_with("svc-00002.kdl")).unwrap();
            let text = model.replace("svc-00002", &name);
            files.push((format!("services/{name}.kdl"), text));
            format!("added {name}")
        }
        7 => {
            let (_, kind) = files.iter_mut().find(|(p, _)| p == "kinds/cache.kdl").unwrap();
            let size = 1 + rng.below(8);
            *kind = format!(
                "kind \"cache\" {{\n    field \"size\" type=\"memory\" default=\"{size}Gi\"\n}}\n"
            );
            format!("the cache kind's default, {size}Gi")
        }
        _ => {
            let (path, text) = &mut files[pick];
            *text = text.replacen("weight=50", &format!("weight={}", 20 + rng.below(60)), 1);
            format!("a canary step in {path}")
        }
    }
}

#[test]
fn kept_results_equal_a_fresh_compile_after_every_edit() {
    let mut files: Vec<(String, String)> =
        idpc_driver::synth::estate(40).into_iter().map(|f| (f.path, f.text)).collect();
    let (_, second) = files.iter_mut().find(|(p, _)| p.ends_with("svc-00002.kdl")).unwrap();
    *second = second.replacen("    image ", "    resource \"cache\" kind=\"cache\"\n    image ", 1);
    let (_, platform) = files.iter_mut().find(|(p, _)| p == "platform.kdl").unwrap();
    platform.push_str(&format!(
        "environment \"preview\" from=\"staging\" owner=\"lead-0001@example.com\" ttl=\"7d\" created=\"{}\" {{\n    services \"svc-00003\"\n}}\n",
        support::options().today
    ));
    files.push((
        "kinds/cache.kdl".to_owned(),
        "kind \"cache\" {\n    field \"size\" type=\"memory\" default=\"1Gi\"\n}\n".to_owned(),
    ));
    let mut kept = Database::new();
    kept.keep_results();
    let mut ever: Vec<String> = Vec::new();
    for (path, text) in &files {
        kept.set_file(path, text.as_str(), None);
        ever.push(path.clone());
    }
    let first = kept.compile(options());
    assert_eq!(outcome(&first), fresh(&files, &ever), "the first compile");
    let mut last = Some(first);
    let mut rng = Lcg(7);
    let (mut reused, mut clean) = (0, 0);
    for round in 0..40 {
        let before: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
        let what = edit(&mut files, &mut rng, round);
        for path in before.iter().filter(|p| !files.iter().any(|(q, _)| q == *p)) {
            kept.remove_file(path);
        }
        for (path, text) in &files {
            kept.set_file(path, text.as_str(), None);
            if !ever.contains(path) {
                ever.push(path.clone());
            }
        }
        // As the language server does: compile after the last snapshot (its deployments go back
        // to the kept results), after a refresh of it, or on its own.
        let snapshot = match (round % 3, last.take()) {
            (0, Some(previous)) => kept.compile_after(options(), previous),
            (1, Some(previous)) => {
                let refreshed = kept.refresh(previous);
                kept.compile_after(options(), refreshed)
            }
            _ => kept.compile(options()),
        };
        let (diagnostics, model) = outcome(&snapshot);
        let (want_diagnostics, want_model) = fresh(&files, &ever);
        assert_eq!(diagnostics, want_diagnostics, "round {round}, after editing {what}");
        assert!(model == want_model, "round {round}, after editing {what}: the models differ");
        reused += usize::from(kept.reused_services() > 0);
        clean += usize::from(snapshot.compilation.platform.is_some());
        last = Some(snapshot);
    }
    assert!(reused > 20, "results were kept in only {reused} of 40 rounds");
    assert!(clean > 10, "only {clean} of 40 rounds compiled without errors");
}
