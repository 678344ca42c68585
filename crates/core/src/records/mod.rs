//! What is kept of an attempt: the attempt file, the trainee's record, and the trait over
//! the places attempts are kept.

pub mod attempt;
pub mod class;
pub mod history;
pub mod regrade;
pub mod store;
