//! Ephemeral environments whose time to live has passed, for `idpc env expired` and editors.

use idpc_diagnostics::Sources;
use idpc_ir::{Date, Platform};

/// One expired environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    /// Its name.
    pub name: String,
    /// The environment it copies.
    pub from: String,
    /// Who answers for it.
    pub owner: String,
    /// When it was created.
    pub created: Date,
    /// Its time to live, as written compactly (`14d`).
    pub ttl: String,
    /// The first day it is expired.
    pub expires: Date,
    /// Days since it expired.
    pub days_overdue: i64,
    /// The file that declares it.
    pub file: String,
    /// The line of its declaration.
    pub line: u32,
}

/// The ephemeral environments expired at `at` (from the day their TTL ends), longest overdue
/// first, then by name.
pub fn expired_at(platform: &Platform, sources: &Sources, at: Date) -> Vec<Expired> {
    let mut expired: Vec<Expired> = platform
        .environments
        .iter()
        .filter_map(|env| {
            let ephemeral = env.ephemeral.as_ref()?;
            let expires = ephemeral.expires();
            let from = platform.environments.get(ephemeral.from.index())?;
            (expires <= at).then(|| Expired {
                name: env.name.clone(),
                from: from.name.clone(),
                owner: ephemeral.owner.to_string(),
                created: ephemeral.created,
                ttl: ephemeral.ttl.compact(),
                expires,
                days_overdue: at.days_since_epoch() - expires.days_since_epoch(),
                file: sources.path(env.span.file).to_owned(),
                line: sources.line_col(env.span.file, env.span.start).line,
            })
        })
        .collect();
    expired.sort_by(|a, b| a.expires.cmp(&b.expires).then_with(|| a.name.cmp(&b.name)));
    expired
}
