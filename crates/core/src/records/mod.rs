//! What is kept of an attempt: the attempt file and the trainee's record.

pub mod attempt;
pub mod history;
