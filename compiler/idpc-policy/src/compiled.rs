//! The presets compiled for the engine's virtual machine.
//!
//! The engine's interpreter walks a rule's syntax tree again for every deployment of a slice. A
//! preset's `violations` rule compiled once per check into the engine's bytecode evaluates the
//! same rule, with the same input and configuration, in about half the time (100 ms of CPU
//! against 220 ms for the eight presets over 30,000 deployments). Each slice runs each program
//! in a machine of its own, under the presets' time limit.
//!
//! A preset the compiler does not take is evaluated by the interpreter, and so are the
//! platform's own policies: they see the whole model once, and the interpreter's errors say
//! where a policy went wrong. [`crate::Cache::interpreted`] evaluates every preset with the
//! interpreter: the reference the compiled presets are tested against, preset by preset.

use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::{Program, RegoVM};
use serde_json::Value;

use idpc_diagnostics::Diagnostic;
use rayon::prelude::*;

use crate::{Loaded, budget, failed, rule, violations};

/// Each preset's program, by the preset's position; `None` where it is not compiled.
pub(crate) struct Programs {
    programs: Vec<Option<Arc<Program>>>,
}

impl Programs {
    /// No program: every preset is evaluated by the interpreter.
    pub(crate) fn none(presets: usize) -> Programs {
        Programs { programs: vec![None; presets] }
    }

    /// Compiles each of `presets`, loaded in `engine`, with `config` as their data.
    pub(crate) fn compile(
        engine: &regorus::Engine,
        config: &regorus::Value,
        presets: &[&Loaded<'_>],
    ) -> Programs {
        let programs = presets
            .par_iter()
            .map(|policy| {
                let rule = rule(policy);
                let mut engine = engine.clone();
                engine.add_data(config.clone()).ok()?;
                let compiled = engine.compile_with_entrypoint(&rule.as_str().into()).ok()?;
                Compiler::compile_from_policy(&compiled, &[rule.as_str()]).ok()
            })
            .collect();
        Programs { programs }
    }

    /// The violations of the preset at `index` in `input`, with `config` as data; `None` if
    /// the preset is not compiled.
    pub(crate) fn run(
        &self,
        index: usize,
        policy: &Loaded<'_>,
        config: &regorus::Value,
        input: &regorus::Value,
    ) -> Option<Result<Vec<Value>, Diagnostic>> {
        let program = self.programs.get(index)?.as_ref()?;
        let mut machine = RegoVM::new();
        machine.load_program(Arc::clone(program));
        // The time limit bounds a preset, not a count of instructions.
        machine.set_max_instructions(usize::MAX);
        machine.set_execution_timer_config(Some(budget::timer(true)));
        if let Err(error) = machine.set_data(config.clone()) {
            return Some(Err(failed(policy, &error)));
        }
        machine.set_input(input.clone());
        Some(match machine.execute_entry_point_by_name(&rule(policy)) {
            Ok(value) => violations(policy, &value),
            Err(error) => Err(failed(policy, &error)),
        })
    }
}
