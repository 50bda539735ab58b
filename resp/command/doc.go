// Package command is pikaraft's command table and the implementation of
// every data command on the engine.
//
// One table (Table) drives everything: the RESP server looks commands up in
// it for dispatch, arity, ACL categories and key positions and generates
// COMMAND's output from it; the Raft FSM executes committed write commands
// through the same Spec.Run functions. A write handler must be
// deterministic: it may depend only on its arguments, the engine state,
// Ctx.NowMs (the leader's time stamped on the log entry) and Ctx.Seed —
// never on the local clock or an unseeded random source.
package command
