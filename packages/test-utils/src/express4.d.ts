// Express 4 under an alias, to run the contract on both majors. Its API as used here is Express 5's.
declare module "express4" {
  import express from "express";
  export default express;
}
